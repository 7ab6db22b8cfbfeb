/**
 * Lets code see every chunk a Node Readable hands to whoever reads it, without reading it itself.
 *
 * Why `emit('data')`: shipped code may not import node:stream (so no PassThrough), and the stream must
 * stay the same object for n8n's binary helpers. Every chunk a Readable delivers goes out as a 'data'
 * event, whether it is piped (flowing mode) or async-iterated (which calls `read()`, and `read()` emits
 * 'data' too), so wrapping `emit` sees all of them, in order, and changes nothing about the flow.
 */
interface Emitter {
	emit(event: string | symbol, ...args: unknown[]): boolean;
}

/** Calls `onChunk` with each chunk as the stream's consumer gets it; returns the same stream. */
export function observeChunks<T extends Emitter>(stream: T, onChunk: (chunk: Uint8Array) => void): T {
	const emit = stream.emit;
	stream.emit = function (this: T, event: string | symbol, ...args: unknown[]): boolean {
		if (event === 'data' && args[0] instanceof Uint8Array) {
			try {
				onChunk(args[0]);
			} catch {
				// An observer must never break the transfer it watches.
			}
		}
		return emit.call(this, event, ...args);
	};
	return stream;
}
