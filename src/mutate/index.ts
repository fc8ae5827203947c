/** Pure mutations of images, and views of their flattened filesystems. */
export * from './composed-source.ts';
export * from './diff.ts';
export * from './flatten.ts';
export * from './flatten-image.ts';
export * from './index-edit.ts';
export * from './layer-from-directory.ts';
export * from './mutate.ts';
export * from './overlay-source.ts';
export * from './rebase.ts';
