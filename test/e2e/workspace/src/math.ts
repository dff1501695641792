// A small file the editor tests type into.
export function square(x: number): number {
  return x * x;
}
