Hello ${name},

welcome to Example Shop. Your account is ready: sign in at
${loginUrl}

Happy shopping!

<#include "/_layout/signature.ftl">
