/** The part of xml-encryption 6 (no types of its own) that encrypts an assertion. */
declare module 'xml-encryption' {
  export interface EncryptOptions {
    rsa_pub: string;
    pem: string;
    encryptionAlgorithm: string;
    keyEncryptionAlgorithm: string;
    keyEncryptionDigest?: string;
    disallowEncryptionWithInsecureAlgorithm?: boolean;
    warnInsecureAlgorithm?: boolean;
  }
  export function encrypt(content: string, options: EncryptOptions, callback: (err: Error | null, result?: string) => void): void;
}
