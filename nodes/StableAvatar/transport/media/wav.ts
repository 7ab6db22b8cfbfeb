/**
 * WAV (RIFF/WAVE, and RF64 for files over 4 GiB): the `fmt ` chunk's rates and the `data` chunk's size,
 * or the `fact` chunk's sample count for compressed WAVs. Stops at the `data` chunk: the samples are
 * never read.
 */
import { bytes, type ByteReader } from './byteReader';
import { durationOf, type MediaDuration } from './mediaDuration';

const PCM = 0x0001;
const IEEE_FLOAT = 0x0003;
const ALAW = 0x0006;
const MULAW = 0x0007;
const EXTENSIBLE = 0xfffe;
/** Sizes streaming writers leave when they cannot go back to fill them in. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);
/** Chunks, and bytes, to look through before `data` (LIST, bext, junk…): more is not a sane WAV. */
const MAX_CHUNKS = 64;
const MAX_BYTES_BEFORE_DATA = 16 * 1024 * 1024;

interface Format {
	tag: number;
	sampleRate: number;
	byteRate: number;
	blockAlign: number;
}

export async function wavDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const riff = await reader.read(12);
	if (!riff || bytes.ascii(riff, 8, 4) !== 'WAVE') return undefined;
	const rf64 = bytes.ascii(riff, 0, 4) === 'RF64';
	let format: Format | undefined;
	let factSamples: number | undefined;
	let ds64DataSize: number | undefined;
	for (let chunks = 0; chunks < MAX_CHUNKS; chunks++) {
		const header = await reader.read(8);
		if (!header) return undefined;
		const id = bytes.ascii(header, 0, 4);
		const size = bytes.u32le(header, 4);
		if (id === 'data') {
			const dataStart = reader.position;
			let dataSize = rf64 && size === 0xffffffff ? ds64DataSize : size;
			let estimated = false;
			if (dataSize === undefined || UNKNOWN_SIZES.has(dataSize) || (fileSize !== undefined && dataStart + dataSize > fileSize)) {
				// Written by a streaming encoder (or cut short): the file's size is the best figure there is.
				if (fileSize === undefined || fileSize <= dataStart) return undefined;
				dataSize = fileSize - dataStart;
				estimated = true;
			}
			return fromFormat(format, factSamples, dataSize, estimated);
		}
		if (reader.position + size > MAX_BYTES_BEFORE_DATA) return undefined;
		// Only the few small chunks that matter are read; the rest (a LIST with cover art…) stream past.
		if (id === 'fmt ' || id === 'fact' || id === 'ds64') {
			const kept = Math.min(size, 64);
			const body = await reader.read(kept);
			if (!body || !(await reader.skip(size - kept + (size % 2)))) return undefined;
			if (id === 'fmt ') format = parseFormat(body);
			else if (id === 'fact') factSamples = bytes.u32le(body, 0);
			else ds64DataSize = bytes.u64le(body, 8);
		} else if (!(await reader.skip(size + (size % 2)))) {
			// RIFF chunks are padded to an even length.
			return undefined;
		}
	}
	return undefined;
}

function parseFormat(body: Uint8Array): Format | undefined {
	if (body.length < 16) return undefined;
	let tag = bytes.u16le(body, 0);
	// WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the SubFormat GUID.
	if (tag === EXTENSIBLE && body.length >= 26) tag = bytes.u16le(body, 24);
	return { tag, sampleRate: bytes.u32le(body, 4), byteRate: bytes.u32le(body, 8), blockAlign: bytes.u16le(body, 12) };
}

function fromFormat(format: Format | undefined, factSamples: number | undefined, dataSize: number, estimated: boolean): MediaDuration | undefined {
	if (!format) return undefined;
	const note = estimated ? 'The WAV header gives no usable data size; the duration is worked out from the file size.' : undefined;
	const uncompressed = [PCM, IEEE_FLOAT, ALAW, MULAW].includes(format.tag);
	if (uncompressed && format.blockAlign > 0) {
		const seconds = durationOf(Math.floor(dataSize / format.blockAlign), format.sampleRate);
		return seconds === undefined ? undefined : { seconds, format: 'wav', estimated, note };
	}
	if (factSamples !== undefined && factSamples > 0 && !estimated) {
		const seconds = durationOf(factSamples, format.sampleRate);
		if (seconds !== undefined) return { seconds, format: 'wav', estimated: false };
	}
	// A compressed WAV without a sample count: its average byte rate is all there is.
	const seconds = durationOf(dataSize, format.byteRate);
	if (seconds === undefined) return undefined;
	return { seconds, format: 'wav', estimated: true, note: 'A compressed WAV without a sample count; the duration is worked out from its average byte rate.' };
}
