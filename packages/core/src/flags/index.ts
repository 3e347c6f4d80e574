export * from './query.js';
export * from './review.js';
