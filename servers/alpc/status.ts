/**
 * ALPC's answers, as Windows gives them: NTSTATUS codes, with their names.
 * Every ALPC call here resolves to a status (never throws for bad input).
 */

export const STATUS_SUCCESS = 0x0000_0000;
/** A wait ran out (`timeout` given and nothing came). */
export const STATUS_TIMEOUT = 0x0000_0102;
/** A handle that is not an open ALPC port (closed, or never made). */
export const STATUS_INVALID_HANDLE = 0xc000_0008;
/** A bad argument: a port name that does not start with `\`, data that is not a Uint8Array, a bad option. */
export const STATUS_INVALID_PARAMETER = 0xc000_000d;
/** No section could be made for a large message. */
export const STATUS_NO_MEMORY = 0xc000_0017;
/** A message larger than the section limit (64 MiB). */
export const STATUS_PORT_MESSAGE_TOO_LONG = 0xc000_002f;
/** No server connection port has this name. */
export const STATUS_OBJECT_NAME_NOT_FOUND = 0xc000_0034;
/** A server connection port has this name already. */
export const STATUS_OBJECT_NAME_COLLISION = 0xc000_0035;
/** The other side closed the connection, or ended. */
export const STATUS_PORT_DISCONNECTED = 0xc000_0037;
/** The server refused the connection. */
export const STATUS_PORT_CONNECTION_REFUSED = 0xc000_0041;
/**
 * ALPC connects processes on one host only: a connection to another host (a
 * `host` option that is not this one, or a `\\server\…` name) is refused with
 * this, before any message is sent.
 */
export const STATUS_NOT_SUPPORTED = 0xc000_00bb;

const NAMES: ReadonlyMap<number, string> = new Map([
  [STATUS_SUCCESS, 'STATUS_SUCCESS'],
  [STATUS_TIMEOUT, 'STATUS_TIMEOUT'],
  [STATUS_INVALID_HANDLE, 'STATUS_INVALID_HANDLE'],
  [STATUS_INVALID_PARAMETER, 'STATUS_INVALID_PARAMETER'],
  [STATUS_NO_MEMORY, 'STATUS_NO_MEMORY'],
  [STATUS_PORT_MESSAGE_TOO_LONG, 'STATUS_PORT_MESSAGE_TOO_LONG'],
  [STATUS_OBJECT_NAME_NOT_FOUND, 'STATUS_OBJECT_NAME_NOT_FOUND'],
  [STATUS_OBJECT_NAME_COLLISION, 'STATUS_OBJECT_NAME_COLLISION'],
  [STATUS_PORT_DISCONNECTED, 'STATUS_PORT_DISCONNECTED'],
  [STATUS_PORT_CONNECTION_REFUSED, 'STATUS_PORT_CONNECTION_REFUSED'],
  [STATUS_NOT_SUPPORTED, 'STATUS_NOT_SUPPORTED'],
]);

/**
 * The name of an NTSTATUS code, or its hex for one not listed. Never throws.
 *
 * @example
 * statusName(0xc00000bb); // 'STATUS_NOT_SUPPORTED'
 * statusName(0x1234);     // '0x00001234'
 */
export function statusName(status: number): string {
  return NAMES.get(status) ?? `0x${(status >>> 0).toString(16).padStart(8, '0')}`;
}
