/**
 * The bound on publishes awaiting their PubAck, shared by every batch in flight: a slot is
 * taken per publish and given back with its answer (or when its batch gives up on it).
 * Waiters are called while slots are free, each taking what it can; one that has ended takes
 * nothing and the next is called, so a slot is never left idle behind a dead waiter.
 */
export class Window {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  tryTake(): boolean {
    if (this.used >= this.size) return false;
    this.used++;
    return true;
  }

  give(): void {
    this.used--;
    while (this.used < this.size && this.waiters.length > 0) this.waiters.shift()!();
  }

  /** `wake` is called once a slot is free (it may find it taken by then, and wait again). */
  wait(wake: () => void): void {
    this.waiters.push(wake);
  }

  get inFlight(): number {
    return this.used;
  }
}
