// A virtualised host table: only the rows in view (plus a margin) are in the DOM, so 10,000
// hosts scroll as smoothly as 10. Rows have a fixed height; the body is one tall spacer.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HostRow } from '../hosts';
import { href } from '../router';
import { elapsed } from '../format';
import { Badge } from './ui';

const ROW_H = 34;
const OVERSCAN = 10;

export function HostTable({ hosts }: { hosts: HostRow[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // A new filter starts at the top.
  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
    setTop(0);
  }, [hosts]);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const last = Math.min(hosts.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
  const visible = hosts.slice(first, last);
  return (
    <div class="vtable" role="table" aria-label="Hosts" aria-rowcount={hosts.length + 1} data-testid="host-table">
      <div class="vrow vhead" role="row">
        <span role="columnheader">Host</span>
        <span role="columnheader">State</span>
        <span role="columnheader">Stage</span>
        <span role="columnheader">Power</span>
        <span role="columnheader">Site / cluster</span>
        <span role="columnheader">Role</span>
        <span role="columnheader">IP</span>
        <span role="columnheader">MAC</span>
        <span role="columnheader">Since</span>
      </div>
      <div class="vbody" ref={box} tabIndex={0} aria-label="Host rows (scroll with the arrow keys)" onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-testid="host-scroll">
        <div style={{ height: `${hosts.length * ROW_H}px`, position: 'relative' }}>
          {visible.map((h, i) => (
            <div class="vrow" role="row" aria-rowindex={first + i + 2} key={h.id} style={{ transform: `translateY(${(first + i) * ROW_H}px)` }} data-host={h.id}>
              <span role="cell">
                <a href={href(`/hosts/${encodeURIComponent(h.id)}`)}>{h.name}</a>
              </span>
              <span role="cell">
                <Badge state={h.state} />
              </span>
              <span role="cell">{h.stage ?? ''}</span>
              <span role="cell">{h.power}</span>
              <span role="cell">
                {h.site} / {h.cluster}
              </span>
              <span role="cell">{h.role ?? ''}</span>
              <span role="cell" class="mono">{h.ips[0] ?? ''}</span>
              <span role="cell" class="mono">{h.macs[0] ?? ''}</span>
              <span role="cell" title={h.since ?? ''}>{elapsed(h.since)}</span>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
