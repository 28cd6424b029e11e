// Encryption at rest for what waits on the device (captures and their documents), with
// WebCrypto AES-GCM under a 256-bit key the browser generates as non-extractable: no script,
// ours included, can read its bytes, only ask the browser to use it. Each sealed value is
// bound to its record (additional data), so a blob moved onto another record fails to open.
// What this does and does not protect against: README, "Field agents: offline capture".

const enc = new TextEncoder();
const dec = new TextDecoder();

export const available = () => Boolean(globalThis.crypto && crypto.subtle);

export function generateKey() {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false,
    ["encrypt", "decrypt"]);
}

/** {iv, data}: `bytes` (ArrayBuffer or view) encrypted under `key`, bound to `aad`. */
export async function seal(key, bytes, aad) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv,
    additionalData: enc.encode(aad) }, key, bytes);
  return { iv, data };
}

/** The plaintext ArrayBuffer; throws if the value was altered, moved or sealed elsewhere. */
export function unseal(key, sealed, aad) {
  return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv,
    additionalData: enc.encode(aad) }, key, sealed.data);
}

export const sealJSON = (key, value, aad) => seal(key, enc.encode(JSON.stringify(value)), aad);
export const unsealJSON = async (key, sealed, aad) =>
  JSON.parse(dec.decode(await unseal(key, sealed, aad)));
