/*
 * notice: templates from an INI file (one section per language with
 * `text` and `sms` keys), and the printers of templates, previews and
 * sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <ini.h>

#include "xmalloc.h"

#include "ctl.h"

#define CTL_NOTICE_FILE_MAX	(64 * 1024)

static const char *const ctl_notice_langs[] = { "pl", "uk", "ru", "en" };

struct ctl_ini {
	cJSON		*texts;
	const char	*file;
	int		 bad;
	size_t		 bytes;
};

/* "\n" written in a value is a line break; a continuation line too. */
static char *
ctl_ini_unescape(const char *v)
{
	char	*out = xmalloc(strlen(v) + 1), *o = out;

	while (*v != '\0') {
		if (v[0] == '\\' && v[1] == 'n') {
			*o++ = '\n';
			v += 2;
		} else
			*o++ = *v++;
	}
	*o = '\0';
	return out;
}

static int
ctl_ini_line(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctl_ini	*ini = user;
	cJSON		*lang, *old;
	char		*v, *joined;
	size_t		 i;

	for (i = 0; i < 4; i++)
		if (strcmp(section, ctl_notice_langs[i]) == 0)
			break;
	if (i == 4 || (strcmp(name, "text") != 0 &&
	    strcmp(name, "sms") != 0)) {
		fprintf(stderr, "%s: [%s] %s: sections are pl, uk, ru and "
		    "en; keys text and sms\n", ini->file, section, name);
		ini->bad = 1;
		return 0;
	}
	if ((ini->bytes += strlen(value)) > CTL_NOTICE_FILE_MAX) {
		fprintf(stderr, "%s: too long\n", ini->file);
		ini->bad = 1;
		return 0;
	}
	if ((lang = cJSON_GetObjectItemCaseSensitive(ini->texts,
	    section)) == NULL)
		lang = cJSON_AddObjectToObject(ini->texts, section);
	v = ctl_ini_unescape(value);
	if ((old = cJSON_GetObjectItemCaseSensitive(lang, name)) != NULL) {
		/* inih passes a continuation line as the same key again. */
		joined = xasprintf("%s\n%s", old->valuestring, v);
		cJSON_ReplaceItemInObjectCaseSensitive(lang, name,
		    cJSON_CreateString(joined));
		free(joined);
	} else
		cJSON_AddStringToObject(lang, name, v);
	free(v);
	return 1;
}

/* The texts of an INI file, or NULL after saying why. */
static cJSON *
ctl_notice_texts(const char *file)
{
	struct ctl_ini	 ini;
	int		 rc;

	memset(&ini, 0, sizeof ini);
	ini.texts = cJSON_CreateObject();
	ini.file = file;
	rc = ini_parse(file, ctl_ini_line, &ini);
	if (rc == -1)
		fprintf(stderr, "asystentctl: %s: cannot be read\n", file);
	else if (rc > 0 && !ini.bad)
		fprintf(stderr, "%s:%d: not a line of an INI file\n", file, rc);
	else if (rc == 0 && !ini.bad && ini.texts->child == NULL)
		fprintf(stderr, "%s: no [pl], [uk], [ru] or [en] section\n",
		    file);
	else if (rc == 0 && !ini.bad)
		return ini.texts;
	cJSON_Delete(ini.texts);
	return NULL;
}

/* notice add ID --file F, notice edit ID --file F. */
int
ctl_notice_write(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	const cJSON	*file;
	cJSON		*body = NULL, *texts, *answer = NULL;
	char		*path = NULL;
	int		 add = strcmp(cmd->sub, "add") == 0, rc;

	file = cJSON_GetObjectItemCaseSensitive(a->body, "file");
	if (!cJSON_IsString(file)) {
		ctl_cmd_usage(cmd, 1);
		return CTL_EX_USAGE;
	}
	if ((texts = ctl_notice_texts(file->valuestring)) == NULL)
		return CTL_EX_USAGE;
	body = cJSON_CreateObject();
	if (add) {
		cJSON_AddStringToObject(body, "id", a->pos[0]);
		path = xstrdup("/v1/notices");
	} else
		path = xasprintf("/v1/notices/%s", a->pos[0]);
	cJSON_AddItemToObject(body, "texts", texts);
	rc = ctl_call(c, add ? "POST" : "PATCH", path, body, &answer);
	if (rc == CTL_EX_OK && !ctl_is_json(c))
		ctl_print_notice(cmd, answer);
	cJSON_Delete(answer);
	cJSON_Delete(body);
	free(path);
	return rc;
}

static const struct ctl_col ctl_notice_cols[] = {
	{ "ID", "id", NULL },
	{ "VERSION", "version", NULL },
	{ "SHIPPED", "shipped", NULL },
	{ "RETIRED", "retired", NULL },
	{ "LANGUAGES", "languages", NULL },
	{ "MISSING", "missing", NULL },
	{ "PARAMS", "params", NULL },
	{ NULL, NULL, NULL }
};

const struct ctl_view ctl_view_notices = { "notices", ctl_notice_cols };
const struct ctl_view ctl_view_notice = { "notice", ctl_notice_cols };

static void
ctl_print_text(const char *label, const cJSON *o, const char *key)
{
	const cJSON	*t = cJSON_GetObjectItemCaseSensitive(o, key);

	printf("  %s:\n", label);
	if (!cJSON_IsString(t)) {
		printf("    (none)\n");
		return;
	}
	printf("    ");
	ctl_fputs_safe(t->valuestring, stdout);
	printf("\n");
}

/* The template, and its texts language by language. */
void
ctl_print_notice(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*n, *texts, *one;
	size_t		 i;

	(void)cmd;
	n = cJSON_GetObjectItemCaseSensitive(answer, "notice");
	ctl_print_show(n, ctl_notice_cols);
	texts = cJSON_GetObjectItemCaseSensitive(n, "texts");
	for (i = 0; texts != NULL && i < 4; i++) {
		one = cJSON_GetObjectItemCaseSensitive(texts,
		    ctl_notice_langs[i]);
		printf("\n[%s]\n", ctl_notice_langs[i]);
		if (!cJSON_IsObject(one)) {
			printf("  (missing: no text in this language)\n");
			continue;
		}
		ctl_print_text("text", one, "text");
		ctl_print_text("sms", one, "sms");
	}
}

/* Each language: the Telegram text, the SMS text with its cost. */
void
ctl_print_preview(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*n, *p, *one, *sms;
	char		*lang, *enc, *parts, *units, *max;

	(void)cmd;
	n = cJSON_GetObjectItemCaseSensitive(answer, "notice");
	p = cJSON_GetObjectItemCaseSensitive(n, "preview");
	cJSON_ArrayForEach(one, p) {
		lang = ctl_text(one, "language");
		printf("[%s]\n", lang ? lang : "?");
		free(lang);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(one,
		    "missing"))) {
			printf("  missing: no text in this language\n\n");
			continue;
		}
		ctl_print_text("Telegram", one, "text");
		sms = cJSON_GetObjectItemCaseSensitive(one, "sms");
		if (!cJSON_IsObject(sms)) {
			printf("  SMS: (no SMS variant)\n\n");
			continue;
		}
		enc = ctl_text(sms, "encoding");
		parts = ctl_text(sms, "parts");
		units = ctl_text(sms, "units");
		max = ctl_text(sms, "max_parts");
		printf("  SMS (%s, %s part(s), %s units%s):\n    ", enc ? enc :
		    "?", parts ? parts : "?", units ? units : "?",
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sms,
		    "over_cap")) ? ", OVER THE LIMIT" : "");
		ctl_fputs_safe(cJSON_GetObjectItemCaseSensitive(sms,
		    "text")->valuestring, stdout);
		printf("\n\n");
		(void)max;
		free(enc);
		free(parts);
		free(units);
		free(max);
	}
}

static const struct ctl_col ctl_sent_cols[] = {
	{ "FAMILY", "code", NULL },
	{ "CHANNEL", "channel", NULL },
	{ "LANG", "language", NULL },
	{ "OUTBOX", "outbox_id", NULL },
	{ "SKIPPED", "skipped", NULL },
	{ NULL, NULL, NULL }
};

void
ctl_print_sent(const struct ctl_cmd *cmd, const cJSON *answer)
{
	char	*q = ctl_text(answer, "queued"), *s = ctl_text(answer,
		    "skipped"), *p = ctl_text(answer, "priority");

	(void)cmd;
	ctl_print_table(cJSON_GetObjectItemCaseSensitive(answer, "families"),
	    ctl_sent_cols);
	printf("queued %s (%s lane), skipped %s\n", q ? q : "?",
	    p ? p : "?", s ? s : "?");
	free(q);
	free(s);
	free(p);
}
