/**
 * Arithmetic over named values, for figure axes, reference lines and flow-event thresholds:
 * "sharpness", "2/eta", "sharpness/sMin", "testLoss-loss", "smallInitUpper/sMin", "init.scale^2",
 * "0.5*initialLoss". Numbers, names (letters, digits, "_" and "."), + - * / ^, unary minus and
 * parentheses, and one comparison < <= > >= at the top (1 when it holds, 0 when not: a check's
 * "final.loss < 1e-3" counted with aggregate `fraction`). A name that resolves to nothing makes the value null (a missing point), never NaN
 * in a plot. Names are looked up by the caller's resolver, which must see only the names it
 * defines (a Map, or own properties: `recordResolver`): "constructor", "__proto__" or "toString"
 * are names like any other, not the properties every object inherits.
 */
import { DlnError } from '../errors';

type Node =
  { kind: 'num'; value: number } | { kind: 'name'; name: string } | { kind: 'neg'; arg: Node } | { kind: 'bin'; op: string; left: Node; right: Node };

export type Resolver = (name: string) => number | null | undefined;

/** A resolver over a plain record's own properties (an inherited property is no name). */
export function recordResolver(values: Readonly<Record<string, unknown>>): Resolver {
  return (name) => {
    if (!Object.hasOwn(values, name)) return null;
    const v = values[name];
    return typeof v === 'number' ? v : null;
  };
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|[A-Za-z_][\w.]*|[<>]=?|[-+*/^()])/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new DlnError('ERR_DLN_CONFIG', `expression "${text}": cannot read "${text.slice(i)}"`);
    tokens.push(m[1]);
    i = re.lastIndex;
  }
  return tokens;
}

export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (what: string): never => {
    throw new DlnError('ERR_DLN_CONFIG', `expression "${text}": ${what}`);
  };
  const primary = (): Node => {
    const t = tokens[pos++];
    if (t === undefined) return fail('ends too early');
    if (t === '(') {
      const e = sum();
      if (tokens[pos++] !== ')') fail('missing ")"');
      return e;
    }
    if (t === '-') return { kind: 'neg', arg: power() };
    if (/^[\d.]/.test(t)) return { kind: 'num', value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) return { kind: 'name', name: t };
    return fail(`unexpected "${t}"`);
  };
  const power = (): Node => {
    const base = primary();
    if (peek() === '^') {
      pos++;
      return { kind: 'bin', op: '^', left: base, right: power() };
    }
    return base;
  };
  const product = (): Node => {
    let left = power();
    while (peek() === '*' || peek() === '/') left = { kind: 'bin', op: tokens[pos++], left, right: power() };
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (peek() === '+' || peek() === '-') left = { kind: 'bin', op: tokens[pos++], left, right: product() };
    return left;
  };
  const comparison = (): Node => {
    const left = sum();
    const op = peek();
    if (op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return left;
    pos++;
    const right = sum();
    if (/^[<>]/.test(peek() ?? '')) fail('one comparison at most (a < b < c is two)');
    return { kind: 'bin', op, left, right };
  };
  const tree = comparison();
  if (pos !== tokens.length) fail(`unexpected "${tokens[pos]}"`);
  return tree;
}

export function names(node: Node): string[] {
  if (node.kind === 'name') return [node.name];
  if (node.kind === 'neg') return names(node.arg);
  if (node.kind === 'bin') return [...names(node.left), ...names(node.right)];
  return [];
}

function evaluate(node: Node, resolve: Resolver): number | null {
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'name': {
      const v: unknown = resolve(node.name);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    case 'neg': {
      const v = evaluate(node.arg, resolve);
      return v === null ? null : -v;
    }
    case 'bin': {
      const a = evaluate(node.left, resolve);
      const b = evaluate(node.right, resolve);
      if (a === null || b === null) return null;
      if (node.op === '<') return a < b ? 1 : 0;
      if (node.op === '<=') return a <= b ? 1 : 0;
      if (node.op === '>') return a > b ? 1 : 0;
      if (node.op === '>=') return a >= b ? 1 : 0;
      const v = node.op === '+' ? a + b : node.op === '-' ? a - b : node.op === '*' ? a * b : node.op === '/' ? a / b : a ** b;
      return Number.isFinite(v) ? v : null;
    }
  }
}

const cache = new Map<string, Node>();

/** Evaluates `text` with names looked up by `resolve`; null when a name is missing or the result is not finite. */
export function evaluateExpression(text: string, resolve: Resolver): number | null {
  let tree = cache.get(text);
  if (!tree) {
    tree = parseExpression(text);
    cache.set(text, tree);
  }
  return evaluate(tree, resolve);
}

/** True when the expression is a single name (so a vector quantity may be drawn component-wise). */
export function isPlainName(text: string): boolean {
  const tree = parseExpression(text);
  return tree.kind === 'name';
}
