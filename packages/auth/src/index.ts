export * from './identity.ts';
export * from './verify.ts';
export * from './forward.ts';
export * from './authorize.ts';
export * from './devToken.ts';
