export * from './catalogue';
export * from './demo-consortium';
