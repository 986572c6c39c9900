/**
 * The few browser types the viewer's page script uses, declared here so that
 * the client code type-checks under the project's tsconfig (lib ES2023, no
 * DOM) without adding the DOM library to every other file of the project.
 * Only what the page uses is declared; names follow lib.dom.d.ts.
 *
 * A client module declares the globals it touches, module-scoped:
 * `declare const document: Doc;` — erased at compile time, so the compiled
 * function refers to the browser's own `document`.
 */

/** CSSStyleDeclaration, as a bag of properties. */
export type Style = Record<string, string> & { setProperty(name: string, value: string): void };

/** Element, HTMLElement, HTMLInputElement and HTMLCanvasElement in one loose shape. */
export interface El {
  id: string;
  className: string;
  textContent: string | null;
  title: string;
  value: string;
  checked: boolean;
  disabled: boolean;
  min: string;
  max: string;
  type: string;
  width: number;
  height: number;
  tabIndex: number;
  readonly style: Style;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { add(c: string): void; remove(c: string): void; toggle(c: string, on?: boolean): boolean; contains(c: string): boolean };
  readonly children: ArrayLike<El>;
  readonly parentElement: El | null;
  readonly clientWidth: number;
  readonly clientHeight: number;
  scrollTop: number;
  scrollLeft: number;
  appendChild<T extends El>(child: T): T;
  append(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  addEventListener(type: string, fn: (ev: Ev) => void, opts?: { passive?: boolean }): void;
  getContext(kind: '2d'): Ctx | null;
  focus(): void;
  scrollIntoView(opts?: { block?: string }): void;
}

/** Event, MouseEvent, WheelEvent and KeyboardEvent in one loose shape. */
export interface Ev {
  readonly type: string;
  readonly target: El | null;
  readonly clientX: number;
  readonly clientY: number;
  readonly button: number;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly deltaX: number;
  readonly deltaY: number;
  readonly key: string;
  preventDefault(): void;
  stopPropagation(): void;
}

/** CanvasRenderingContext2D (the part the views draw with). */
export interface Ctx {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  font: string;
  textAlign: 'left' | 'right' | 'center' | 'start' | 'end';
  textBaseline: 'top' | 'middle' | 'bottom' | 'alphabetic';
  globalAlpha: number;
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, r: number, a0: number, a1: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  stroke(): void;
  fill(): void;
  clip(): void;
  save(): void;
  restore(): void;
  setLineDash(segments: number[]): void;
  fillText(text: string, x: number, y: number, maxWidth?: number): void;
  measureText(text: string): { width: number };
}

/** Document. */
export interface Doc {
  readonly body: El;
  title: string;
  getElementById(id: string): El | null;
  createElement(tag: string): El;
  addEventListener(type: string, fn: (ev: Ev) => void): void;
}

/** Window (with the viewer's hook for tests). */
export interface Win {
  readonly devicePixelRatio: number;
  readonly innerHeight: number;
  addEventListener(type: string, fn: (ev: Ev) => void): void;
  requestAnimationFrame(fn: () => void): number;
  cancelAnimationFrame(handle: number): void;
  __xmachViewer?: unknown;
}
