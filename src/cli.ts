// Command-line front end to the engine (DESIGN.md, "CLI"). Filled in by the engine issue.
console.error('backplay: the CLI is not implemented yet');
process.exit(1);
