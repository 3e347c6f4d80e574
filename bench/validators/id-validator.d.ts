// Types of the untyped npm package id-validator (mc-zone/IDValidator 1.3.0), as used by the bench.
declare module 'id-validator' {
  class IDValidator {
    constructor(gb2260?: Record<string, string>);
    isValid(id: string, forceType?: number): boolean;
  }
  export default IDValidator;
}

declare module 'id-validator/src/GB2260.js' {
  const GB2260: Record<string, string>;
  export default GB2260;
}
