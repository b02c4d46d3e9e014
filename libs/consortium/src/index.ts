export * from './catalogue';
export * from './demo-consortium';
export * from './demo-lab';
export * from './demo-recognition';
