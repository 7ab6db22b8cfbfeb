import { closeStream, type ByteStream } from '../http';

/** The most one `read` may ask for: parsers read headers, never payloads, so more means bad input. */
export const MAX_READ_BYTES = 1024 * 1024;

/**
 * Reads a file's bytes in order from a stream (or a Buffer) for the header parsers: exact reads of a
 * few bytes, and skips that let payloads stream past without being held. Only what a read asks for is
 * kept; a skipped payload is counted, not buffered.
 */
export class ByteReader {
	/** Bytes of the file consumed so far (read or skipped). */
	position = 0;
	private pending: Uint8Array = new Uint8Array(0);
	private readonly iterator?: AsyncIterator<Uint8Array>;
	private ended = false;

	constructor(private readonly source: ByteStream | Buffer) {
		if (source instanceof Uint8Array) {
			this.pending = source;
			this.ended = true;
		} else {
			this.iterator = source[Symbol.asyncIterator]();
		}
	}

	/** Exactly `length` bytes, or undefined when the file ends first (or the read is unreasonably large). */
	async read(length: number): Promise<Uint8Array | undefined> {
		if (!Number.isSafeInteger(length) || length < 0 || length > MAX_READ_BYTES) return undefined;
		if (!(await this.fill(length))) return undefined;
		const bytes = this.pending.subarray(0, length);
		this.pending = this.pending.subarray(length);
		this.position += length;
		return bytes;
	}

	/** Up to `length` of the next bytes, without consuming them (fewer only when the file ends first). */
	async peek(length: number): Promise<Uint8Array> {
		const wanted = Math.min(Math.max(0, Math.floor(length)), MAX_READ_BYTES);
		await this.fill(wanted);
		return this.pending.subarray(0, wanted);
	}

	/** Lets `length` bytes go by unread. False when the file ends first. */
	async skip(length: number): Promise<boolean> {
		if (!Number.isSafeInteger(length) || length < 0) return false;
		let left = length;
		for (;;) {
			const taken = Math.min(left, this.pending.length);
			this.pending = this.pending.subarray(taken);
			this.position += taken;
			left -= taken;
			if (left === 0) return true;
			const chunk = await this.pull();
			if (!chunk) return false;
			this.pending = chunk;
		}
	}

	/** The next bytes as they come (what is left of the current chunk first); undefined at the end. */
	async chunk(): Promise<Uint8Array | undefined> {
		const chunk = this.pending.length > 0 ? this.pending : await this.pull();
		this.pending = new Uint8Array(0);
		if (chunk) this.position += chunk.length;
		return chunk;
	}

	/** Stops reading: a stream not read to its end is closed, so its connection or file is freed. */
	async close(): Promise<void> {
		this.pending = new Uint8Array(0);
		if (this.ended || !this.iterator) return;
		this.ended = true;
		try {
			await this.iterator.return?.();
		} catch {
			// The stream is being dropped: an error while closing it changes nothing for the caller.
		}
		closeStream(this.source as ByteStream);
	}

	/** Pulls until `length` bytes are pending (joined once, however small the chunks). False at the end. */
	private async fill(length: number): Promise<boolean> {
		if (this.pending.length >= length) return true;
		const parts = [this.pending];
		let total = this.pending.length;
		while (total < length) {
			const chunk = await this.pull();
			if (!chunk) break;
			parts.push(chunk);
			total += chunk.length;
		}
		this.pending = join(parts, total);
		return total >= length;
	}

	private async pull(): Promise<Uint8Array | undefined> {
		if (this.ended || !this.iterator) return undefined;
		for (;;) {
			const next = await this.iterator.next();
			if (next.done) {
				this.ended = true;
				return undefined;
			}
			// Empty chunks carry nothing; strings (a stream with an encoding set) are not audio.
			if (next.value instanceof Uint8Array && next.value.length > 0) return next.value;
			if (!(next.value instanceof Uint8Array)) {
				this.ended = true;
				return undefined;
			}
		}
	}
}

function join(parts: Uint8Array[], total: number): Uint8Array {
	if (parts.length === 1) return parts[0];
	const joined = new Uint8Array(total);
	let at = 0;
	for (const part of parts) {
		joined.set(part, at);
		at += part.length;
	}
	return joined;
}

/** Little- and big-endian integers and ASCII tags out of header bytes (all within bounds, or 0/''). */
export const bytes = {
	u16le: (b: Uint8Array, at: number): number => (at + 2 <= b.length ? b[at] | (b[at + 1] << 8) : 0),
	u32le: (b: Uint8Array, at: number): number => (at + 4 <= b.length ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24 : 0),
	u64le: (b: Uint8Array, at: number): number => bytes.u32le(b, at) + bytes.u32le(b, at + 4) * 2 ** 32,
	u16be: (b: Uint8Array, at: number): number => (at + 2 <= b.length ? (b[at] << 8) | b[at + 1] : 0),
	u32be: (b: Uint8Array, at: number): number => (at + 4 <= b.length ? b[at] * 2 ** 24 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) : 0),
	u64be: (b: Uint8Array, at: number): number => bytes.u32be(b, at) * 2 ** 32 + bytes.u32be(b, at + 4),
	ascii: (b: Uint8Array, at: number, length: number): string =>
		at + length <= b.length ? String.fromCharCode(...b.subarray(at, at + length)) : '',
};
