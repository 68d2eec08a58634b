import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSlice, encodeSlice, type TrainingSlice } from '../../src/browser/slice.js';

function smallSlice(): TrainingSlice {
  const per = 2 * 3;
  return {
    height: 2,
    width: 3,
    channels: 1,
    classNames: ['a', 'b', 'c'],
    mean: [0.5],
    std: [0.25],
    train: { images: Uint8Array.from({ length: 4 * per }, (_, i) => i), labels: Uint8Array.from([0, 1, 2, 1]) },
    holdOut: { images: Uint8Array.from({ length: 2 * per }, (_, i) => 200 + i), labels: Uint8Array.from([2, 0]) },
  };
}

test('a slice survives encode → decode byte for byte', () => {
  const slice = smallSlice();
  const { manifest, bytes } = encodeSlice(slice, 'unit test');
  assert.equal(manifest.trainCount, 4);
  assert.equal(manifest.holdOutCount, 2);
  assert.equal(bytes.length, manifest.bytes);
  const back = decodeSlice('s.bin', JSON.parse(JSON.stringify(manifest)), bytes);
  assert.deepEqual(back, slice);
});

test('decodeSlice names the file and the problem', () => {
  const { manifest, bytes } = encodeSlice(smallSlice(), 'unit test');
  assert.throws(
    () => decodeSlice('s.bin', { ...manifest, format: 'other' as never }, bytes),
    /^Error: s\.bin: format is "other"/,
  );
  assert.throws(
    () => decodeSlice('s.bin', manifest, bytes.subarray(1)),
    /s\.bin: 41 bytes of data; the manifest describes 42/,
  );
  assert.throws(
    () => decodeSlice('s.bin', { ...manifest, channels: 2 as never }, bytes),
    /channels is 2; expected 1 or 3/,
  );
  assert.throws(
    () => decodeSlice('s.bin', { ...manifest, trainCount: 0 }, bytes),
    /trainCount is 0; expected an integer >= 1/,
  );
  const badLabel = Uint8Array.from(bytes);
  badLabel[4 * 6] = 7;
  assert.throws(() => decodeSlice('s.bin', manifest, badLabel), /label 7 is out of range \[0, 3\)/);
});
