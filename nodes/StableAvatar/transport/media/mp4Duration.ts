/**
 * The duration of an MP4 (or M4A) from its `moov/mvhd` box, found while the file streams past chunk by
 * chunk: box headers are read, payloads are counted past (an `mdat` of gigabytes is never held), and
 * `moov` may come before or after `mdat`. 64-bit box sizes (`largesize`) are followed.
 */
import { bytes } from './byteReader';
import { durationOf } from './mediaDuration';

export { observeChunks } from './observeChunks';

/** A box header: 8 bytes, or 16 with a 64-bit `largesize`. */
const MAX_HEADER_LENGTH = 16;
/** What an MP4 file starts with (`ftyp` nearly always): anything else is not an MP4. */
export const MP4_FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide']);
/** mvhd version 1 needs 32 bytes (version/flags, two 64-bit dates, timescale, 64-bit duration). */
const MVHD_BYTES = 32;

type State =
	| { kind: 'header'; start: number; bytes: Uint8Array; filled: number }
	| { kind: 'skip'; until: number }
	| { kind: 'mvhd'; bytes: Uint8Array; filled: number }
	| { kind: 'done' };

export class Mp4DurationProbe {
	/** File offset of the next byte pushed. */
	private offset = 0;
	/** Where the `moov` box being walked ends (children are walked inside it); undefined outside it. */
	private moovEnd?: number;
	private state: State = newHeader(0);
	private result?: number;

	push(chunk: Uint8Array): void {
		let at = 0;
		while (at < chunk.length && this.state.kind !== 'done') {
			const state = this.state;
			if (state.kind === 'skip') {
				const taken = Math.min(chunk.length - at, state.until - this.offset);
				at += taken;
				this.offset += taken;
				if (this.offset >= state.until) this.state = this.nextHeader();
			} else {
				const taken = Math.min(chunk.length - at, state.kind === 'mvhd' ? state.bytes.length - state.filled : this.headerBytesWanted(state) - state.filled);
				state.bytes.set(chunk.subarray(at, at + taken), state.filled);
				state.filled += taken;
				at += taken;
				this.offset += taken;
				if (state.kind === 'mvhd' && state.filled === state.bytes.length) this.finishMvhd(state.bytes);
				else if (state.kind === 'header' && state.filled === this.headerBytesWanted(state)) this.finishHeader(state);
			}
		}
	}

	/** The duration in seconds, once `mvhd` was seen (and usable). */
	get seconds(): number | undefined {
		return this.result;
	}

	/** True once nothing more can be learned: the duration was found, or the boxes make no sense. */
	get finished(): boolean {
		return this.state.kind === 'done';
	}

	private headerBytesWanted(state: { bytes: Uint8Array; filled: number }): number {
		// A 32-bit size of 1 means a 64-bit size follows the type.
		return state.filled >= 4 && bytes.u32be(state.bytes, 0) === 1 ? MAX_HEADER_LENGTH : 8;
	}

	private finishHeader(header: { start: number; bytes: Uint8Array; filled: number }): void {
		const type = bytes.ascii(header.bytes, 4, 4);
		const size32 = bytes.u32be(header.bytes, 0);
		const headerLength = header.filled;
		// Size 0: the box runs to the end of the file.
		const size = size32 === 1 ? bytes.u64be(header.bytes, 8) : size32 === 0 ? Infinity : size32;
		const end = header.start + size;
		const insideMoov = this.moovEnd !== undefined;
		const firstBox = header.start === 0;
		if (!/^[\x20-\x7e\xa9]{4}$/.test(type) || (firstBox && !MP4_FIRST_BOXES.has(type)) || size < headerLength || (insideMoov && end > this.moovEnd!)) {
			this.state = { kind: 'done' };
		} else if (type === 'moov' && !insideMoov) {
			this.moovEnd = end;
			this.state = this.nextHeader();
		} else if (type === 'mvhd' && insideMoov) {
			const payload = size - headerLength;
			this.state = payload >= 20 ? { kind: 'mvhd', bytes: new Uint8Array(Math.min(payload, MVHD_BYTES)), filled: 0 } : { kind: 'done' };
		} else {
			this.state = size === Infinity ? { kind: 'done' } : { kind: 'skip', until: end };
			if (this.offset >= end) this.state = this.nextHeader();
		}
	}

	private finishMvhd(body: Uint8Array): void {
		this.result = mvhdSeconds(body);
		this.state = { kind: 'done' };
	}

	private nextHeader(): State {
		if (this.moovEnd !== undefined && this.offset >= this.moovEnd) {
			// moov ended without an mvhd: the file is broken.
			return { kind: 'done' };
		}
		return newHeader(this.offset);
	}
}

/** The movie's duration from an `mvhd` body (the first 32 bytes after the box header are enough). */
export function mvhdSeconds(body: Uint8Array): number | undefined {
	const version = body[0];
	const timescale = version === 1 ? bytes.u32be(body, 20) : bytes.u32be(body, 12);
	const units = version === 1 ? (body.length >= 32 ? bytes.u64be(body, 24) : NaN) : bytes.u32be(body, 16);
	// All ones: duration unknown. Zero: a fragmented file, whose length only the fragments know.
	const unknown = units === 0 || (version === 1 ? units >= 2 ** 53 : units === 0xffffffff);
	return unknown || version > 1 ? undefined : durationOf(units, timescale);
}

function newHeader(start: number): State {
	return { kind: 'header', start, bytes: new Uint8Array(MAX_HEADER_LENGTH), filled: 0 };
}
