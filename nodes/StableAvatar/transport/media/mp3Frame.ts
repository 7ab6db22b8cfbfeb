/** MPEG audio frame headers (MPEG 1, 2 and 2.5; layers I, II and III): 4 bytes that say it all. */

export interface Mp3FrameHeader {
	mpeg1: boolean;
	layer: 1 | 2 | 3;
	bitrate: number;
	sampleRate: number;
	mono: boolean;
	samplesPerFrame: number;
	frameLength: number;
}

// kbit/s by bitrate index 1–14, per MPEG version and layer.
const BITRATES = {
	v1l1: [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
	v1l2: [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
	v1l3: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
	v2l1: [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
	v2l23: [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
// Hz by sample rate index 0–2, for version bits 0 (MPEG 2.5), 2 (MPEG 2), 3 (MPEG 1).
const SAMPLE_RATES: Record<number, number[]> = { 0: [11025, 12000, 8000], 2: [22050, 24000, 16000], 3: [44100, 48000, 32000] };

/** The frame header at `at`, or undefined when those bytes are not a valid one (free-format included). */
export function parseFrameHeader(b: Uint8Array, at: number): Mp3FrameHeader | undefined {
	if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return undefined;
	const versionBits = (b[at + 1] >> 3) & 3;
	const layerBits = (b[at + 1] >> 1) & 3;
	const bitrateIndex = b[at + 2] >> 4;
	const rateIndex = (b[at + 2] >> 2) & 3;
	// Layer bits 00 is ADTS AAC, version 01 and rate 11 are reserved, bitrate 0 is free format, 15 is invalid.
	if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
	const mpeg1 = versionBits === 3;
	const layer = (4 - layerBits) as 1 | 2 | 3;
	const table = mpeg1 ? [BITRATES.v1l1, BITRATES.v1l2, BITRATES.v1l3][layer - 1] : layer === 1 ? BITRATES.v2l1 : BITRATES.v2l23;
	const bitrate = table[bitrateIndex - 1] * 1000;
	const sampleRate = SAMPLE_RATES[versionBits][rateIndex];
	const padding = (b[at + 2] >> 1) & 1;
	const samplesPerFrame = layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
	const frameLength =
		layer === 1 ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4 : Math.floor(((samplesPerFrame / 8) * bitrate) / sampleRate) + padding;
	return { mpeg1, layer, bitrate, sampleRate, mono: b[at + 3] >> 6 === 3, samplesPerFrame, frameLength };
}

/** Where a Xing/Info header would sit in a Layer III frame: after the 4-byte header and the side info. */
export function xingOffset(frame: Mp3FrameHeader): number {
	const sideInfo = frame.mpeg1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17;
	return 4 + sideInfo;
}

/** Fraunhofer's VBRI header always sits 32 bytes after the frame header. */
export const VBRI_OFFSET = 4 + 32;
