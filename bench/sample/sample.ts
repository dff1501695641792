// A small shopping cart. `npm start` completes line 6 at column 2 (after the tab).
export interface Item { name: string; price: number; quantity: number }

/** The total price of every item in the cart. */
export function cartTotal(items: Item[]): number {
	
}

/** Items whose quantity has dropped below the threshold, most urgent first. */
export function lowStock(items: Item[], threshold = 5): Item[] {
	return items
		.filter((item) => item.quantity < threshold)
		.sort((a, b) => a.quantity - b.quantity);
}

/** Formats a price in cents as dollars, e.g. 1999 -> "$19.99". */
export function formatPrice(cents: number): string {
	const dollars = Math.floor(cents / 100);
	const rest = String(cents % 100).padStart(2, "0");
	return `$${dollars}.${rest}`;
}

/** Adds an item, or raises its quantity when one with the same name is already there. */
export function addItem(items: Item[], item: Item): Item[] {
	const existing = items.find((other) => other.name === item.name);
	if (!existing) return [...items, item];
	return items.map((other) =>
		other === existing ? { ...other, quantity: other.quantity + item.quantity } : other,
	);
}
