import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsagePoint } from './usage-api.ts';

const HEIGHT = 220;

/**
 * Requests per bucket as bars, successful and refused, on uPlot's canvas. Its time axis is in the viewer's
 * time zone (uPlot's default). The figure's accessible name sums it up; the numbers are in its tooltip-free
 * legend, which uPlot keeps live as the pointer moves.
 */
export function UsageChart({ points, bucket }: { points: UsagePoint[]; bucket: 'hour' | 'day' }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.start) / 1000),
      points.map((p) => p.uses),
      points.map((p) => p.failures),
    ];
    const bars = uPlot.paths.bars?.({ size: [0.8, 40], align: 1 });
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 300),
        height: HEIGHT,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
        axes: [
          { stroke: '#4b5361', grid: { stroke: '#eceef2' } },
          { stroke: '#4b5361', grid: { stroke: '#eceef2' }, size: 50 },
        ],
        series: [
          { label: bucket === 'day' ? 'Day' : 'Hour' },
          { label: 'Requests', stroke: '#2f6fde', fill: 'rgba(47, 111, 222, 0.35)', paths: bars },
          { label: 'Refused', stroke: '#c2410c', fill: 'rgba(194, 65, 12, 0.5)', paths: bars },
        ],
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 300), height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, bucket]);
  const uses = points.reduce((sum, p) => sum + p.uses, 0);
  const failures = points.reduce((sum, p) => sum + p.failures, 0);
  return (
    <div
      ref={holder}
      className="usage-chart"
      role="img"
      aria-label={`${uses} requests and ${failures} refused, per ${bucket}`}
      data-testid="usage-chart"
      data-uses={uses}
    />
  );
}
