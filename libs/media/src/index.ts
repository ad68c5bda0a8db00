export { FfmpegError, type FfmpegRunOptions } from './ffmpeg';
export { renderImage, type ImageRenderOptions } from './image-renderer';
export type { MemeCaption, RenderedMedia } from './media.types';
export { probeMedia, type MediaProbe } from './probe';
export { renderVideo, type VideoRenderOptions } from './video-renderer';
