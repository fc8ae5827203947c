/** The lazy image model over any transport (DESIGN.md §1.1). */
export * from './empty.ts';
export * from './find.ts';
export * from './image.ts';
export * from './memory-source.ts';
export * from './read.ts';
export * from './types.ts';
export * from './validate.ts';
