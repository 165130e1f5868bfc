/*
 * The configuration file (INI, read with inih). Every key has a default,
 * a type and bounds in one table in config.c; errors name file:line: key.
 */
#ifndef ASYSTENT_CONFIG_H
#define ASYSTENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_EXIT_BAD		78	/* EX_CONFIG */
#define CONFIG_DEFAULT_PATH	ASYSTENT_SYSCONFDIR "/asystent/asystent.conf"

enum tg_mode {
	TG_MODE_POLLING,
	TG_MODE_WEBHOOK
};

/* The legal basis the information clause names (GDPR art. 6 and 9). */
enum privacy_basis {
	PRIVACY_BASIS_CONSENT,		/* art. 6(1)(a), 9(2)(a) */
	PRIVACY_BASIS_PUBLIC_TASK	/* art. 6(1)(e), 9(2)(h) */
};

enum sms_driver {
	SMS_DRIVER_NONE,
	SMS_DRIVER_KANNEL,
	SMS_DRIVER_SMSAPI
};

struct config {
	char		*path;

	/* [daemon] */
	char		*database;
	char		*key_file;
	char		*keystore;	/* "": the database's path + ".keys" */
	int		 rotate_slice;	/* rows a slice of a key rotation */
	char		*admin_socket;
	enum log_level	 log_level;
	char		*timezone;
	char		*centre_name;
	char		*centre_contact;
	char		*catalog_dir;

	/* [telegram] */
	char		*token_file;
	char		*token;		/* read from token_file or the env */
	char		*api_root;
	enum tg_mode	 mode;
	int		 poll_timeout;		/* s */
	int		 request_timeout;	/* s */

	/* [limits] */
	double		 global_per_second;	/* 0 = off */
	double		 per_chat_per_second;	/* 0 = off */
	int		 per_group_per_minute;	/* 0 = off */

	/* [outbox] */
	int		 max_attempts;
	int		 backoff_initial_ms;
	int		 backoff_max_s;
	int		 max_in_flight;
	int		 auth_pause_s;
	int		 receipt_ttl_s;
	int		 receipt_max_attempts;

	/* [invitations] */
	int		 invitation_ttl_days;

	/* [hours]: "HH:MM-HH:MM" or "closed" per weekday, Monday first */
	char		*hours[7];
	char		*closed_days;		/* "YYYY-MM-DD,..." extra */
	char		*emergency_numbers;	/* shown out of hours */

	/* [relay] */
	int		 flood_per_minute;

	/* [retention] */
	int		 message_days;
	int		 closed_family_years;	/* 0: never erased */
	int		 audit_days;
	int		 failed_recipient_days;

	/* [privacy]: what the information clause says */
	char		*dpo_contact;		/* the DPO's e-mail or address */
	enum privacy_basis legal_basis;

	/* [sms] */
	enum sms_driver	 sms_driver;
	char		*sms_listen;		/* host:port of callbacks */
	char		*sms_callback_url;	/* how gateways reach us */
	char		*sms_secret_file;
	char		*sms_secret;		/* read from sms_secret_file */
	char		*sms_sender;
	int		 sms_max_parts;
	double		 sms_per_second;
	char		*kannel_url;
	char		*kannel_credentials_file;
	char		*smsapi_url;
	char		*smsapi_token_file;
	/* What broadcasts cost by SMS (notices). */
	double		 sms_price_per_part;	/* złoty */
	double		 sms_monthly_budget;	/* złoty; 0: none */

	/* [metrics] */
	char		*metrics_listen;	/* host:port, "": off */

	/* [reminders]: checked by reminders_config() at start */
	char		*reminder_offsets;
	char		*reminder_quiet;
	char		*reminder_kind[6];	/* visits_kind order; "": all */
	/* [listeners]: the SMS callback and metrics listeners, admin socket */
	int		 listen_deadline_s;	/* a connection in all */
	int		 sms_max_conns;
	int		 sms_max_per_peer;	/* per address */
	int		 admin_max_conns;
	int		 admin_max_per_uid;
	int		 metrics_max_conns;
	int		 metrics_max_per_peer;	/* per address */
};

/*
 * Reads `path` (NULL: built-in defaults only), then the environment
 * (ASYSTENT_TELEGRAM_TOKEN, ASYSTENT_TELEGRAM_API_ROOT), then the token file.
 * Every problem is printed to `errf` as "file:line: key: problem"; returns
 * -1 when there was any. *out is freed with config_free().
 */
int	config_load(const char *path, FILE *errf, struct config **out)
	    __attribute__((warn_unused_result));
void	config_free(struct config *cfg);

/* Prints every key with its default value, as a commented example file. */
void	config_print_defaults(FILE *f);

/*
 * Splits "address:port" ("[::1]:9464" for IPv6) into `host` and `port`
 * (1 to 65535). -1 when `spec` is not one or the address does not fit.
 */
int	config_listen_parse(const char *spec, char *host, size_t hostlen,
	    uint16_t *port) __attribute__((warn_unused_result));

#endif
