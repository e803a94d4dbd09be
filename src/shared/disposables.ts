/**
 * A store of things to dispose of, disposed in the reverse order they were added, as xterm.js's
 * Lifecycle.ts does: the composition root declares its shutdown order by the order it builds, and
 * never writes it by hand. A failing disposal does not stop the others.
 */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  /** Disposed after every item, in the order added: what the others still need while they go (the listening port). */
  private readonly finally: Disposable[] = [];
  private disposed = false;

  /** Adds `item` (returned, for `const x = store.add(new X())`). */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) throw new Error('DisposableStore: add after dispose');
    this.items.push(item);
    return item;
  }

  /** A disposal step that is not an object: a timer, a socket server. */
  addStep(dispose: () => void | Promise<void>): void {
    this.add({ dispose });
  }

  /** A step that runs after every other one, whenever it was added. */
  addFinally(dispose: () => void | Promise<void>): void {
    if (this.disposed) throw new Error('DisposableStore: add after dispose');
    this.finally.push({ dispose });
  }

  /** Disposes everything, last added first; resolves when all are done. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of [...this.items.splice(0).reverse(), ...this.finally.splice(0)]) {
      try {
        await item.dispose();
      } catch {
        // One failing step must not keep the rest (children, sockets) alive.
      }
    }
  }
}
