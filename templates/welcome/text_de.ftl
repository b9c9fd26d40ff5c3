Hallo ${name}

Willkommen bei Example Shop. Ihr Konto ist bereit; Sie können sich hier anmelden:
${loginUrl}

Viel Freude beim Einkaufen!

<#include "/_layout/signature.ftl">
