// Charts: Apache ECharts, only the parts used (tree-shaken by esbuild). Each
// chart sits beside a table of the same figures, which is what a screen
// reader and the keyboard use; the chart's aria-label says what it shows.
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, AriaComponent, CanvasRenderer]);

const live: echarts.ECharts[] = [];

/** A chart in a new element, labelled `label`. */
export function chart(label: string, option: echarts.EChartsCoreOption, testId?: string): HTMLElement {
  const el = document.createElement('div');
  el.className = 'chart';
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  if (testId) el.dataset.testid = testId;
  // Drawn once the element is in the page (ECharts needs its size).
  requestAnimationFrame(() => {
    if (!el.isConnected) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    c.setOption({ aria: { enabled: true }, animation: false, tooltip: { trigger: 'axis' }, ...option });
    live.push(c);
  });
  return el;
}

/** Disposes every chart of the previous view. */
export function disposeCharts(): void {
  for (const c of live.splice(0)) c.dispose();
}

/** A figure of the API (a decimal string) as a number, for plotting only: tables always show the API's text. */
export function plot(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}
