// Documents attached to a capture (ID, proof of income): read from the form's file inputs,
// checked on the device for a quick answer (size, and the type from the file's first bytes,
// as the server does), and shown on the capture's card with each one's upload status. The
// server sniffs every upload again and its answer is the one that counts (a file can pass
// here and still be refused there: the card then says why).

export const MAX_BYTES = 10 * 1024 * 1024;  // domain.documents.MAX_BYTES
const KINDS = { id: "ID document", proof_of_income: "Proof of income" };
const MAGIC = [["application/pdf", "PDF", [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ["image/jpeg", "JPEG", [0xff, 0xd8, 0xff]],
  ["image/png", "PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]];
const EXTENSIONS = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg",
  png: "image/png" };
const STATUS = { queued: "Waiting to upload", uploading: "Uploading…", uploaded: "Uploaded",
  refused: "Refused by the server" };

export const label = (kind) => KINDS[kind] || kind;
const inputs = () => [...document.querySelectorAll("#capture input[type=file][data-kind]")];

function human(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KiB`;
  return `${n} bytes`;
}

/** The reason a file cannot be sent, or null; `bytes` is its content (ArrayBuffer). */
export function deviceCheck(name, bytes) {
  if (!bytes.byteLength) return "is empty";
  if (bytes.byteLength > MAX_BYTES) {
    return `is too large (${human(bytes.byteLength)}); the limit is ${human(MAX_BYTES)}`;
  }
  const head = new Uint8Array(bytes.slice(0, 8));
  const found = MAGIC.find(([, , magic]) => magic.every((b, i) => head[i] === b));
  if (!found) return "is not a PDF, JPEG or PNG file";
  const ext = (name.match(/\.([^./\\]+)$/) || [])[1];
  if (ext && EXTENSIONS[ext.toLowerCase()] !== found[0]) {
    return `looks like a ${found[1]} but is named .${ext.toLowerCase()}`;
  }
  return null;
}

/** The chosen files: {files: [{kind, filename, type, bytes}], errors: {label: reason}}. */
export async function picked() {
  const files = [];
  const errors = {};
  for (const input of inputs()) {
    const slot = document.getElementById(`e-doc-${input.dataset.kind}`);
    slot.textContent = "";
    input.removeAttribute("aria-invalid");
    for (const file of input.files) {
      const bytes = await file.arrayBuffer();
      const why = deviceCheck(file.name, bytes);
      if (why) {
        errors[label(input.dataset.kind)] = `${file.name} ${why}`;
        slot.textContent = `${file.name} ${why}`;
        input.setAttribute("aria-invalid", "true");
      } else {
        files.push({ kind: input.dataset.kind, filename: file.name,
          type: file.type || "application/octet-stream", bytes });
      }
    }
  }
  return { files, errors };
}

export function clear() {
  for (const input of inputs()) {
    input.value = "";
    input.removeAttribute("aria-invalid");
    document.getElementById(`e-doc-${input.dataset.kind}`).textContent = "";
  }
}

/** The card's list of documents with their status (and the server's reason if refused). */
export function list(docs) {
  const ul = document.createElement("ul");
  ul.className = "docs";
  ul.setAttribute("aria-label", "Documents");
  for (const d of docs) {
    const li = document.createElement("li");
    li.className = `doc ${d.status}`;
    li.dataset.kind = d.kind;
    const done = d.status === "uploaded" ? ` (document #${d.document_id})` : "";
    li.textContent = `${label(d.kind)}: ${d.filename}: ${STATUS[d.status]}${done}`;
    if (d.status === "refused" && d.error) {
      const why = document.createElement("span");
      why.className = "error";
      why.textContent = ` ${d.error}`;
      li.append(why);
    } else if (d.status === "queued" && d.last_error) {
      li.append(` · ${d.last_error}`);
    }
    ul.append(li);
  }
  return ul;
}
