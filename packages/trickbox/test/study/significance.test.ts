import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holmAdjust } from '../../src/study/holm.js';
import { significance } from '../../src/study/significance.js';

const row = (pValue: number | null, delta: number | null = 0.01) => ({ n: 3, std: 0.002, delta, pValue });

test('significance: configs outside the family (teachers) keep their MDEs but get no Holm p, and m counts the rest', () => {
  const configs = { baseline: row(null, 0), a: row(0.01), b: row(0.04), teacher: row(0.03) };
  const all = significance(configs, 'baseline', 'testTop1', {});
  const without = significance(configs, 'baseline', 'testTop1', {}, new Set(['teacher']));
  assert.equal(all.study.holmFamily, 3);
  assert.equal(without.study.holmFamily, 2);
  assert.equal(without.configs.teacher.pHolm, null);
  assert.equal(without.configs.teacher.mde, all.configs.teacher.mde);
  assert.ok(without.configs.teacher.mde !== null && without.configs.teacher.mde > 0);
  const [pa, pb] = holmAdjust([0.01, 0.04]);
  assert.equal(without.configs.a.pHolm, pa);
  assert.equal(without.configs.b.pHolm, pb);
  // with the teacher in the family, a's adjusted p is larger: the exclusion changes the answer
  assert.ok(all.configs.a.pHolm! > without.configs.a.pHolm!);
});
