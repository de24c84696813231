/**
 * Deferred loading for the package's entry point: a function or an object whose module is
 * required on first use, so that `require('dlnflow')` for training does not load the experiment
 * engine (zod, yaml) or the report (Vega). Both keep their identity for the caller: the same
 * function / object on every access, through require() and import alike.
 */

/** A function that loads the real one on its first call and forwards every call to it. */
export function lazyFunction<F extends (...args: never[]) => unknown>(name: string, load: () => F): F {
  const forward = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return load().apply(this, args) as ReturnType<F>;
  };
  Object.defineProperty(forward, 'name', { value: name });
  return forward as unknown as F;
}

/**
 * An object that stands for `load()`'s result, loaded on the first operation on it: property
 * reads and writes, `in`, keys and descriptors, and its prototype (so `instanceof` holds) all go
 * to the real object, and getters run with the real object as `this`. The proxy's own target,
 * `shell` (`[]` for an array, so that Array.isArray holds), stays empty but for copies of the real
 * object's non-configurable properties, as the Proxy invariants demand before such a property may
 * be reported, and a util.inspect hook: Node's inspect looks at a proxy's target, not through its
 * traps, and would print the empty shell. Object.preventExtensions / freeze on it throw.
 */
export function lazyObject<T extends object>(load: () => T, shell: object = {}): T {
  let loaded: T | undefined;
  const real = (): T => (loaded ??= load());
  Object.defineProperty(shell, Symbol.for('nodejs.util.inspect.custom'), {
    value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => inspect(real(), options),
    configurable: true,
  });
  return new Proxy(shell as T, {
    get: (_shell, key) => Reflect.get(real(), key),
    set: (_shell, key, value) => Reflect.set(real(), key, value),
    has: (_shell, key) => Reflect.has(real(), key),
    deleteProperty: (_shell, key) => Reflect.deleteProperty(real(), key),
    defineProperty: (_shell, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      if (descriptor && !descriptor.configurable && !Reflect.getOwnPropertyDescriptor(target, key)) Reflect.defineProperty(target, key, descriptor);
      return descriptor;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    setPrototypeOf: (_shell, proto) => Reflect.setPrototypeOf(real(), proto),
    preventExtensions: () => false,
  });
}
