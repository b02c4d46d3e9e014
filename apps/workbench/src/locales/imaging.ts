import { type AreaText } from '../i18n';

/** The imaging centre's screens: worklist, viewer, report. */
const text: AreaText = {
  zh: {
    nav: { worklist: '影像阅片' },
    worklist: {
      title: '影像诊断工作列表',
      empty: '暂无待阅影像',
    },
    status: { 'awaiting-images': '待传图像' },
    viewer: {
      loading: '正在加载影像…',
      loadFailed: '影像加载失败',
      noImages: '该检查暂无可显示的图像',
      presetCtOnly: '窗宽窗位预设按 CT 值（HU）设置，仅适用于 CT',
      preset: {
        default: '默认',
        lung: '肺窗',
        mediastinum: '纵隔窗',
        bone: '骨窗',
        brain: '脑窗',
        custom: '自定义',
      },
      zoomIn: '放大（+ 或 Ctrl+滚轮）',
      zoomOut: '缩小（−）',
      fit: '适应窗口（0 或双击）',
      help: '滚轮 / ↑↓ 翻页，PgUp/PgDn 跳 10 幅；左键拖动平移；右键拖动调窗（左右调窗宽、上下调窗位）；1–4 切换预设，D 恢复默认',
      helpShort: '操作说明',
      aria: '影像显示区：滚轮或方向键翻页',
      imageAlt: '第 {{n}} 幅图像',
      series: '序列',
      image: '图像',
      headerWindow: '默认窗',
      zoom: '缩放 {{percent}}%',
      imageCount: '{{count}} 幅',
    },
    report: {
      findings: '检查所见',
      impression: '诊断意见',
      incomplete: '填写检查所见和诊断意见后自动保存',
    },
  },
  en: {
    nav: { worklist: 'Imaging reading' },
    worklist: {
      title: 'Imaging worklist',
      empty: 'No studies waiting',
    },
    status: { 'awaiting-images': 'Awaiting images' },
    viewer: {
      loading: 'Loading images…',
      loadFailed: 'The images could not be loaded',
      noImages: 'This study has no images to show',
      presetCtOnly: 'The presets are in Hounsfield units: CT only',
      preset: {
        default: 'Default',
        lung: 'Lung',
        mediastinum: 'Mediastinum',
        bone: 'Bone',
        brain: 'Brain',
        custom: 'Custom',
      },
      zoomIn: 'Zoom in (+ or Ctrl+wheel)',
      zoomOut: 'Zoom out (−)',
      fit: 'Fit (0 or double-click)',
      help: 'Wheel / ↑↓ to scroll, PgUp/PgDn by 10; drag to pan; right-drag to window (left-right width, up-down level); 1–4 presets, D default',
      helpShort: 'Controls',
      aria: 'Image viewport: scroll with the wheel or the arrow keys',
      imageAlt: 'Image {{n}}',
      series: 'Series',
      image: 'Image',
      headerWindow: 'Default window',
      zoom: 'Zoom {{percent}}%',
      imageCount: '{{count}} images',
    },
    report: {
      findings: 'Findings',
      impression: 'Impression',
      incomplete: 'Saved automatically once findings and impression are written',
    },
  },
};
export default text;
