/**
 * The duration of an audio file from its headers, before it is uploaded: the format is recognised from
 * its first bytes (names and content types lie more often than headers do), then one small parser per
 * format reads only what it needs. OGG is the exception that reads to the end (its duration is in its
 * last page), without holding more than a page header; so do MP3 without a frame count and raw ADTS
 * AAC, whose frames are counted.
 */
import type { ByteStream } from '../http';
import { adtsDuration, parseAdtsHeader } from './adts';
import { bytes, ByteReader } from './byteReader';
import { flacDuration } from './flac';
import { skipId3v2Tags } from './id3v2';
import type { AudioFormat, MediaDuration } from './mediaDuration';
import { mp3Duration } from './mp3';
import { parseFrameHeader } from './mp3Frame';
import { m4aDuration } from './m4a';
import { MP4_FIRST_BOXES } from './mp4Duration';
import { oggDuration } from './ogg';
import { isRawPcm, RAW_PCM } from './rawPcm';
import { wavDuration } from './wav';
import { isEbml, webmDuration } from './webm';

export type { AudioFormat, MediaDuration } from './mediaDuration';

export interface AudioHint {
	/** The file's size in bytes: needed for MP3s without a frame count and for WAVs without a data size. */
	size?: number;
	/** The format is recognised from the bytes, not from these; they only tell raw PCM, which has no header. */
	contentType?: string;
	fileName?: string;
}

export interface AudioReading {
	duration?: MediaDuration;
	/** What the file is, when its first bytes say so, even when its duration could not be read. */
	formatName?: string;
}

/**
 * Reads only the bytes it needs from `source` (a stream from byte 0, or a Buffer) and closes a stream it
 * stops reading early. Undefined when the format is not recognised or the headers are unusable; never
 * throws (a stream that fails while being read gives undefined too).
 */
export async function audioDuration(source: ByteStream | Buffer, hint: AudioHint = {}): Promise<MediaDuration | undefined> {
	return (await readAudio(source, hint)).duration;
}

/** The duration as audioDuration reads it, and the format's name, so an unknown duration can say what the file was. */
export async function readAudio(source: ByteStream | Buffer, hint: AudioHint = {}): Promise<AudioReading> {
	const reader = new ByteReader(source);
	const size = hint.size ?? (source instanceof Uint8Array ? source.length : undefined);
	try {
		if (!(await skipId3v2Tags(reader))) return {};
		const head = await reader.peek(12);
		const format = recognise(head);
		if (format) return { duration: await FORMATS[format].read(reader, size), formatName: FORMATS[format].name };
		return { formatName: unreadFormatName(head) ?? (isRawPcm(hint.contentType, hint.fileName) ? RAW_PCM : undefined) };
	} catch {
		return {};
	} finally {
		await reader.close();
	}
}

/** Each format read: its name (for messages) and its parser, from the reader's position at its first bytes. */
const FORMATS: Record<AudioFormat, { name: string; read: (reader: ByteReader, size: number | undefined) => Promise<MediaDuration | undefined> }> = {
	wav: { name: 'WAV', read: wavDuration },
	mp3: { name: 'MP3', read: mp3Duration },
	m4a: { name: 'M4A', read: m4aDuration },
	ogg: { name: 'Ogg', read: oggDuration },
	flac: { name: 'FLAC', read: flacDuration },
	aac: { name: 'AAC (ADTS)', read: adtsDuration },
	webm: { name: 'WebM', read: webmDuration },
};

/** Formats recognised but not read: named in the estimate so the user knows why the length is unknown. */
function unreadFormatName(head: Uint8Array): string | undefined {
	const tag = bytes.ascii(head, 0, 4);
	if (tag === 'FORM' && ['AIFF', 'AIFC'].includes(bytes.ascii(head, 8, 4))) return 'AIFF';
	if (tag === 'caff') return 'CAF';
	if (bytes.ascii(head, 0, 5) === '#!AMR') return 'AMR';
	if (bytes.u32be(head, 0) === 0x3026b275) return 'WMA (ASF)';
	return undefined;
}

function recognise(head: Uint8Array): AudioFormat | undefined {
	const tag = bytes.ascii(head, 0, 4);
	if ((tag === 'RIFF' || tag === 'RF64') && bytes.ascii(head, 8, 4) === 'WAVE') return 'wav';
	if (tag === 'fLaC') return 'flac';
	if (tag === 'OggS') return 'ogg';
	if (isEbml(head)) return 'webm';
	if (MP4_FIRST_BOXES.has(bytes.ascii(head, 4, 4))) return 'm4a';
	if (parseAdtsHeader(head, 0)) return 'aac';
	if (parseFrameHeader(head, 0)) return 'mp3';
	return undefined;
}
