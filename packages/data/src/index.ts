export * from './records.ts';
export * from './generator/index.ts';
