// Dominance: two candidates of one demand that look the same to every pairwise constraint and
// pairwise objective term (same zone / group values, same point when distances between demands
// matter) differ only in unary cost and exclusivity key. Sorted by (cost, input order), only the
// first T of such a class can appear in the k best: if a demand used a later one, at least
// T - (demands that could block a key) of the earlier ones are free, and moving to any of them
// gives a distinct, strictly better solution (lower cost, or equal cost and earlier in the
// tie-break order). Demands that must differ from this one in a zone (rack) can never block a
// key of the class, so under a rack-different constraint across all demands T = limit: per rack
// only the cheapest host matters. Assumes a host's attributes are the same in every demand's list.
import type { Cand, Model } from './model.js';

export function dominate(model: Model, limit: number): void {
  const n = model.cands.length;
  // Demands compiled to the same candidate records reduce the same way: do it once.
  const done = new Map<Cand[], Map<string, Cand[]>>();
  for (let d = 0; d < n; d++) {
    const partners = new Set<number>();
    for (const z of model.zoneSlots[d]!) {
      const zone = model.zones[z]!;
      if (!zone.same) for (const m of zone.members) if (m !== d) partners.add(m);
    }
    const keep = 1 + (n - 1 - partners.size) + (limit - 1);
    const list = model.cands[d]!;
    if (list.length <= keep) continue;
    const usesPoint = model.demandDists[d]!.length > 0 || model.pairs[d]!.length > 0;
    let byList = done.get(list);
    if (!byList) done.set(list, (byList = new Map()));
    const known = byList.get(`${keep}|${usesPoint}`);
    if (known) {
      model.cands[d] = known;
      continue;
    }
    const classes = new Map<string, Cand[]>();
    for (const c of list) {
      const sig = `${c.zv.join(',')}|${usesPoint ? c.pt : ''}`;
      let cls = classes.get(sig);
      if (!cls) classes.set(sig, (cls = []));
      cls.push(c);
    }
    const kept: Cand[] = [];
    for (const cls of classes.values()) {
      if (cls.length > keep) cls.sort((a, b) => a.unary - b.unary || a.orig - b.orig);
      for (let i = 0; i < cls.length && i < keep; i++) kept.push(cls[i]!);
    }
    kept.sort((a, b) => a.orig - b.orig);
    model.cands[d] = kept;
    byList.set(`${keep}|${usesPoint}`, kept);
  }
}
