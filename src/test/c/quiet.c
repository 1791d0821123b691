/*
 * quiet: a preloadable library that interposes nothing (built as
 * libvigil-quiet.so): an ordinary LD_PRELOAD, which the integrity checks
 * must leave alone.
 */
int vigil_quiet_counter(int x)
{
	return x + 1;
}
