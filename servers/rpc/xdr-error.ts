/**
 * The one error the XDR layer throws: a bad value on encode, bad bytes on
 * decode, or a bad type description. It names where in the value it went
 * wrong, as a path of field names and indices (`args.items[3].name`).
 */

/**
 * A bad value, bad bytes or a bad type description. `reason` says what is
 * wrong; `path` says where (`''` at the top level); `message` is
 * `path: reason`.
 *
 * @example
 * try { encode(xdr.string(16), 'much too long for sixteen bytes', { name: 'name' }); }
 * catch (e) { if (e instanceof XdrError) console.log(e.message); } // name: string longer than 16 (31 bytes)
 */
export class XdrError extends Error {
  override name = 'XdrError';
  /** What is wrong, without the path. */
  readonly reason: string;
  /** Where: field names and indices from the top-level value, e.g. `items[3].name`; `''` for the value itself. */
  path: string;

  constructor(reason: string, path = '') {
    super(path ? `${path}: ${reason}` : reason);
    this.reason = reason;
    this.path = path;
  }

  /**
   * Puts a field name (string) or an array index (number) in front of the
   * path, on the way out of a struct, array or union; returns this error.
   *
   * @example
   * new XdrError('string longer than 16').within('name').within(3).within('items').message; // 'items[3].name: string longer than 16'
   */
  within(segment: string | number): this {
    const rest = this.path === '' || this.path.startsWith('[') ? this.path : '.' + this.path;
    this.path = (typeof segment === 'number' ? `[${segment}]` : segment) + rest;
    this.message = `${this.path}: ${this.reason}`;
    return this;
  }
}

/**
 * Rethrow helper: returns err, an XdrError with `segment` put in front of
 * its path; anything else (a stack overflow, a bug) unchanged.
 *
 * @example
 * try { encodeField(); } catch (e) { throw within(e, 'name'); }
 */
export function within(err: unknown, segment: string | number): unknown {
  return err instanceof XdrError ? err.within(segment) : err;
}

/**
 * Returns a short, safe description of a bad value for an error message.
 *
 * @example
 * show('abc'); // '"abc"'
 * show(2n);    // '2n'
 * show([1]);   // 'an array of 1'
 */
export function show(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 24 ? v.slice(0, 24) + '…' : v);
    case 'bigint':
      return `${v}n`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of ${v.length}`;
      if (v instanceof Uint8Array) return `${v.length} bytes`;
      return 'an object';
  }
}
