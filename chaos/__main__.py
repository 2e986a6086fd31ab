from chaos.chaos_command import main

main()
