/*
 * labmodule: the smallest loadable Redis module, so that a lab host can run an instance with a module loaded
 * (check source.modules). It registers its name and nothing else: no commands, no data types.
 *
 * Redis's redismodule.h is not packaged by Debian 12, so the two API calls this needs are declared here, as
 * redismodule.h's RedisModule_Init does it: the first word of the context is the server's RedisModule_GetApi, which
 * hands out every other API function by name (src/module.c, moduleRegisterCoreAPI).
 */
typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleString RedisModuleString;

enum { REDISMODULE_OK = 0, REDISMODULE_ERR = 1, REDISMODULE_APIVER_1 = 1 };

static int (*RedisModule_GetApi)(const char *name, void *function);
static void (*RedisModule_SetModuleAttribs)(RedisModuleCtx *ctx, const char *name, int version, int apiVersion);

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    (void)argv;
    (void)argc;
    void *getApi = ((void **)ctx)[0];
    RedisModule_GetApi = (int (*)(const char *, void *))(unsigned long)getApi;
    if (RedisModule_GetApi("RedisModule_SetModuleAttribs", (void *)&RedisModule_SetModuleAttribs) != REDISMODULE_OK) {
        return REDISMODULE_ERR;
    }
    RedisModule_SetModuleAttribs(ctx, "labmodule", 1, REDISMODULE_APIVER_1);
    return REDISMODULE_OK;
}
