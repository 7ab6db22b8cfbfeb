/**
 * At most `size` calls at once, the others wait their turn in order. Keeps a batch with every item in
 * flight from opening a connection per item for its short calls (submit, status, result, cancel).
 */
export class Limiter {
	private active = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(private readonly size: number) {}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.active < this.size) this.active++;
		else await new Promise<void>((resolve) => this.waiting.push(resolve));
		try {
			return await task();
		} finally {
			// The slot passes straight to the next waiter, or is given back.
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		}
	}
}
