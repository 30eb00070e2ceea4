/**
 * nearest-key — "did you mean …" hints for unknown config keys.
 */

/** editDistance — Levenshtein distance, case-insensitive (a case slip counts as no edit). */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, i) => i);
  for (let i = 1; i <= left.length; i++) {
    const row = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = previous[j - 1] + (left[i - 1] === right[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, substitution));
    }
    previous = row;
  }
  return previous[right.length];
}

/**
 * nearestKey — the known key closest to `key`, or null when none is plausibly meant
 * (more than a third of the key's letters would have to change).
 */
export function nearestKey(key: string, knownKeys: readonly string[]): string | null {
  if (key.length > 200) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const known of knownKeys) {
    const distance = editDistance(key, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.ceil(key.length / 3));
  return bestDistance <= allowed ? best : null;
}

/** unknownKeyMessage — "unknown key (did you mean X?)" or a list of where to look. */
export function unknownKeyMessage(what: string, key: string, knownKeys: readonly string[]): string {
  const hint = nearestKey(key, knownKeys);
  return hint ? `unknown ${what} (did you mean ${hint}?)` : `unknown ${what}`;
}
