/*
 * What admin_notices.c shares with admin_broadcasts.c: templates loaded,
 * parameters read, texts rendered and recipients checked. Nothing else
 * includes it.
 */
#ifndef ASYSTENT_ADMIN_NOTICE_PRIV_H
#define ASYSTENT_ADMIN_NOTICE_PRIV_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "notice.h"
#include "notices.h"
#include "outbox.h"
#include "people.h"
#include "phone.h"
#include "sms_text.h"

struct areq;

/* A template as sending sees it, shipped or the staff's own. */
struct ntpl {
	struct notice_row	 row;		/* the staff's; texts owned */
	int			 shipped;
	const char		*text[LANG_COUNT];	/* NULL: none */
	const char		*sms[LANG_COUNT];
};

/* Parameters as the request gives them; keys of "k=v" copied here. */
struct nparams {
	struct notice_params	 p;
	char			 keys[NOTICE_PARAMS_MAX][24];
};

/* One language rendered: the Telegram text and the SMS variant. */
struct nrender {
	int		 done;
	char		*text;		/* NULL: no text in this language */
	char		*sms;		/* NULL: no SMS variant */
	struct sms_count cnt;
};

/* Whom one family's copy goes to, or why it does not go. */
struct nrcpt {
	int64_t		 family_id;
	char		 code[PEOPLE_CODE_MAX];
	enum channel	 ch;
	int64_t		 member_id;
	int64_t		 chat_id;
	char		 phone[PHONE_MAX];
	enum lang	 lang;
	const char	*skip;		/* NULL: it goes */
};

/* Each returns 0, or the HTTP status of the error it set. */
int	an_tpl_load(struct areq *r, const char *id, struct ntpl *t);
void	an_tpl_clear(struct ntpl *t);
/* A notice's or a broadcast's texts, {"pl":{"text","sms"?},...}. */
int	an_texts_body(struct areq *r, const cJSON *texts,
	    struct notice_row *row);
int	an_params_body(struct areq *r, const cJSON *o, struct nparams *np);
int	an_params_used(struct areq *r, const struct ntpl *t,
	    const struct notice_params *p);
int	an_render_lang(struct areq *r, const struct ntpl *t, enum lang l,
	    const struct notice_params *p, struct nrender *out);
void	an_render_clear(struct nrender *n);
cJSON	*an_render_json(enum lang l, const struct nrender *n);
int	an_recipient(struct areq *r, int64_t fid, struct nrcpt *rc);

#endif
