// Small SVG charts (no chart library): horizontal bars of durations, and stacked boot steps.
// Each has a text summary for screen readers and <title> tooltips per bar.
import { duration } from '../format';
import { BOOT_STEPS, type Run } from '../runs';

const ROW = 18;
const LABEL = 110;
const WIDTH = 520;

function scale(max: number) {
  return (v: number) => Math.max(1, ((WIDTH - LABEL - 60) * v) / (max || 1));
}

export function RunChart({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p class="muted">No provisioning run has finished yet.</p>;
  const shown = runs.slice(0, 16);
  const max = Math.max(...shown.map((r) => r.end - r.start));
  const x = scale(max);
  const h = shown.length * ROW + 8;
  const ok = runs.filter((r) => r.outcome === 'active');
  const median = [...runs.map((r) => r.end - r.start)].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? 0;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${h}`} width="100%" role="img" aria-label={`${runs.length} provisioning runs, ${ok.length} ended active; median ${duration(median)}`} data-testid="run-chart">
        {shown.map((r, i) => (
          <g transform={`translate(0 ${i * ROW + 4})`} key={`${r.host}-${r.start}`}>
            <text x={LABEL - 6} y={12} text-anchor="end" class="chart-label">
              {r.host.slice(0, 16)}
            </text>
            <rect x={LABEL} y={2} height={ROW - 6} width={x(r.end - r.start)} class={r.outcome === 'active' ? 'bar-ok' : 'bar-bad'}>
              <title>{`${r.host}: ${duration(r.end - r.start)}, ended ${r.outcome}`}</title>
            </rect>
            <text x={LABEL + x(r.end - r.start) + 4} y={12} class="chart-value">
              {duration(r.end - r.start)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption class="muted small">
        Provisioning time per run (green: ended active; red: failed or stopped). Median {duration(median)}.
      </figcaption>
    </figure>
  );
}

export function BootChart({ runs }: { runs: Run[] }) {
  const withSteps = runs.filter((r) => Object.keys(r.steps).length > 0).slice(0, 16);
  if (withSteps.length === 0) return <p class="muted">No boot steps recorded yet (DHCP, iPXE, kernel, checkpoint).</p>;
  const max = Math.max(...withSteps.map((r) => Math.max(...Object.values(r.steps))));
  const x = scale(max);
  const h = withSteps.length * ROW + 8;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${h}`} width="100%" role="img" aria-label={`Boot steps of ${withSteps.length} runs`} data-testid="boot-chart">
        {withSteps.map((r, i) => {
          let prev = 0;
          return (
            <g transform={`translate(0 ${i * ROW + 4})`} key={`${r.host}-${r.start}`}>
              <text x={LABEL - 6} y={12} text-anchor="end" class="chart-label">
                {r.host.slice(0, 16)}
              </text>
              {BOOT_STEPS.map((s, k) => {
                const t = r.steps[s];
                if (t === undefined) return null;
                const seg = <rect x={LABEL + x(prev)} y={2} height={ROW - 6} width={Math.max(1, x(t) - x(prev))} class={`step-${k}`} key={s}>
                  <title>{`${r.host}: ${s} at +${duration(t)}`}</title>
                </rect>;
                prev = t;
                return seg;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption class="muted small legend">
        Time from the start of the run to: {BOOT_STEPS.map((s, k) => <span key={s}><i class={`swatch step-${k}`} />{s} </span>)}
      </figcaption>
    </figure>
  );
}
