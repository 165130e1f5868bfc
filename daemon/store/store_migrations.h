/* The forward migrations (store_migrations.c), for store.c alone. */
#ifndef ASYSTENT_STORE_MIGRATIONS_H
#define ASYSTENT_STORE_MIGRATIONS_H

/* Migration N (1-based) is store_migrations[N - 1]. */
extern const char *const store_migrations[];
extern const int store_nmigrations;

#endif
