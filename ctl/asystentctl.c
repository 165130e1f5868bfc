/* asystentctl: the staff tool, a client of asystentd's admin API. */
#include <stdio.h>

int
main(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "asystentctl: the admin API is not available yet\n");
	return 69;
}
