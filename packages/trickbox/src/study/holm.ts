// Holm's step-down correction for multiple comparisons (Holm 1979, "A simple sequentially rejective multiple test
// procedure", Scand. J. Statist. 6:65–70). With the m p-values sorted, p(1) ≤ … ≤ p(m), the adjusted values are
//   p̃(i) = min(1, max over j ≤ i of (m − j + 1) · p(j)),
// so rejecting where p̃ < α is Holm's procedure at family-wise error rate α. Ties get equal adjusted values.

/** Holm-adjusted p-values, in the order given (the family is all of `pValues`). */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const [i, p] of pValues.entries())
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`holmAdjust: pValues[${i}] must be a probability in [0, 1], got ${p}`);
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
