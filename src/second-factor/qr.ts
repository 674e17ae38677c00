/** The otpauth:// URI as a QR code: an SVG data URL, made on the server (no script on the page). */
import QRCode from 'qrcode';

export async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
