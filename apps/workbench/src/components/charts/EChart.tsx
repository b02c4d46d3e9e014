import { BarChart, LineChart } from 'echarts/charts';
import {
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { type EChartsCoreOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { type CSSProperties, useEffect, useRef } from 'react';

// Only what the workbench draws: bars and lines on a grid, with tooltips, legends and target lines.
use([
  BarChart,
  LineChart,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/**
 * An ECharts chart that fills its box and follows its size: the option is applied as a whole each
 * time it changes (series that went away are removed), and the chart is disposed with the
 * component.
 */
export function EChart({
  option,
  height = 320,
  label,
  testId,
  style,
}: {
  option: EChartsCoreOption;
  height?: number;
  /** What the chart shows, for screen readers. */
  label: string;
  testId?: string;
  style?: CSSProperties;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);

  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const instance = init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    // Says when the chart has finished drawing (animations included): tests and screenshots wait for it.
    instance.on('finished', () => element.setAttribute('data-rendered', 'true'));
    // A ResizeObserver also sees the box change when the menu collapses, not only the window.
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    box.current?.setAttribute('data-rendered', 'false');
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return (
    <div
      ref={box}
      role="img"
      aria-label={label}
      data-testid={testId}
      style={{ width: '100%', height, ...style }}
    />
  );
}
