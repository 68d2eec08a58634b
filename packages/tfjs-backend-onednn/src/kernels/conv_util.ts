import { backend_util, type Conv2DAttrs, type TensorInfo } from '@tensorflow/tfjs-core';

/** The 18 integers the native convolution functions take, from a tfjs convolution description (NHWC only). */
export function convParams(info: backend_util.Conv2DInfo, groups = 1): number[] {
  const p = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
    groups,
  ];
}

/** Whether oneDNN's output size rule gives `out` for one spatial axis: floor((in + pads - span) / stride) + 1. */
function consistentAxis(size: number, pads: number, filter: number, dilation: number, stride: number, out: number) {
  const span = (filter - 1) * dilation + 1;
  return Math.floor((size + pads - span) / stride) + 1 === out;
}

/**
 * oneDNN takes explicit non-negative padding whose output size follows from the input, filter, padding and stride;
 * tfjs can describe others, which its cpu kernels compute: negative explicit padding, and numeric padding with
 * unequal strides (tfjs sizes both axes with the first stride: conv2d(x, f, [2, 1], 1) on 7x7 gives 4x4).
 */
export function nativeConvSupported(info: backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return (
    info.dataFormat === 'channelsLast' &&
    p.top >= 0 &&
    p.left >= 0 &&
    p.bottom >= 0 &&
    p.right >= 0 &&
    consistentAxis(
      info.inHeight,
      p.top + p.bottom,
      info.filterHeight,
      info.dilationHeight,
      info.strideHeight,
      info.outHeight,
    ) &&
    consistentAxis(
      info.inWidth,
      p.left + p.right,
      info.filterWidth,
      info.dilationWidth,
      info.strideWidth,
      info.outWidth,
    )
  );
}

type Shape4 = [number, number, number, number];

/** The convolution description of a forward Conv2D / FusedConv2D call (tfjs-layers passes null dilations). */
export function forwardConvInfo(
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Pick<Conv2DAttrs, 'strides' | 'pad' | 'dataFormat' | 'dilations' | 'dimRoundingMode'>,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}
