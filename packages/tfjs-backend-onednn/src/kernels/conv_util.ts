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

/** oneDNN takes explicit non-negative padding; tfjs can describe others (e.g. negative explicit padding). */
export function nativeConvSupported(info: backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return info.dataFormat === 'channelsLast' && p.top >= 0 && p.left >= 0 && p.bottom >= 0 && p.right >= 0;
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
