/**
 * The one home of every rule on configuration values: patterns, limits (with their sources),
 * defaults and rule functions. Zod-free, so the constructs of modules/ use it as much as the
 * config schema does; neither keeps a copy of its own.
 */
export * from './defaults';
export * from './limits';
export * from './patterns';
export * from './servers';
export * from './tags';
export * from './values';
export * from './accounts';
export * from './quotas';
export * from './table';
