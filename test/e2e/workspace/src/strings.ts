export function capitalize(word: string): string {
  if (word.length === 0) return word;
  return word[0].toUpperCase() + word.slice(1);
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}
