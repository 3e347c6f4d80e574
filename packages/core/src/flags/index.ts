export * from './query.js';
export * from './review.js';
export * from './settle-correction.js';
